"""tests/load/ holds scripts run by hand or by CI (run.py, two_servers.py, hello.py), not tests:
they start servers and databases of their own. Nothing here is collected, whatever its name."""

collect_ignore_glob = ["*.py"]
