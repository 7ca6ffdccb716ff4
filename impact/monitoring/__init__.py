"""Return-to-poverty monitoring (防返贫监测): households, their figures, the warning rules, the
review queue, self-declarations, who may see what, and the imports staff upload.

``rules`` is the pure rule engine; ``assessment`` runs it over households; ``households``,
``clues`` and ``declarations`` are the writes; ``access`` is the one place a staff member's
county limits what they see; ``imports`` reads staff's spreadsheets.
"""
