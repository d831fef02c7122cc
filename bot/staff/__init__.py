"""Support staff of the branch: accounts, password hashes, console sessions, login throttling.

    models.py         StaffAccount, StaffSession, StaffLoginThrottle (tables of bot/branch_db.py)
    passwords.py      argon2id hashing and the password policy
    accounts.py       create, list, disable, authenticate
    sessions.py       server-side console sessions (random 256-bit ids, stored hashed)
    login_throttle.py 5 attempts in 15 minutes lock a username, 10 a minute a client (counted atomically)
    cli.py            `python -m bot staff add|list|disable`
"""
