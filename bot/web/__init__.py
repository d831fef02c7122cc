"""The branch's web service (port 8080): the Messenger sandbox now; the demo bank site and staff console later."""
