"""What the impact figures are, for each reader: staff (``staff``), the public (``public``),
a producer (``producer``) and a buyer (``buyer``); their tables and charts (``tables``),
files (``exports``) and pages (``views``).
"""
