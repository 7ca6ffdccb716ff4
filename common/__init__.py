"""What every app shares: spreadsheets in and out, money to the fen, back-office view helpers.

A plain package, not a Django app: no models, not in INSTALLED_APPS. Apps import
from it; it imports from none of them.
"""
