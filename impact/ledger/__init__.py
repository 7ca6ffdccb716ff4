"""The attribution ledger: paid order lines become income on the records of linked households.

``attribution`` is the pure split; ``services`` turns payment events into ledger entries
(jobs, runs, catch-up) and re-assesses the households they reach; ``rollups`` keeps the
reports' summary tables in step; ``receipts`` and ``selectors`` read it for shop and staff
pages; ``receivers`` is where payments come in.
"""
