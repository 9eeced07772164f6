"""People: accounts, passwords, who may see and change what, calendar feeds behind personal tokens."""
