"""The branch's web service (port 8080): the demo bank site with the web chat, and the staff console."""
