"""The tests' fixed "now": importable by module name from any test folder (``from timetools import T0``).

Kept out of ``conftest.py``: several test folders have a ``conftest.py`` of their own, and whichever was
imported last answers to ``import conftest``, so a constant there is found or not depending on which
folders a run names.
"""

#: 2027-01-15 15:00 WIB: inside the default send window.
T0 = 1_800_000_000.0
