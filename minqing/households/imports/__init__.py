"""Importing the household workbook (户信息 + 成员信息) and exporting it again.

What a view calls:

The package: ``cells`` (fast readers of ID numbers, phones, initials), ``parse`` (the workbook as typed rows),
``recall`` (rows kept between validating and applying), ``match`` (rows against the registry), ``write`` (the
bulk writes), ``engine`` (``validate`` and ``apply``, what the worker runs) and ``jobs`` (the entry points below,
the only code that queues the worker: ``jobs → tasks → engine``, so nothing here imports ``jobs``).

- ``excel.build_template() -> bytes`` — the empty workbook with instructions (填写说明) to download.
- ``jobs.import_start(actor=, file_name=, content=) -> ImportJob`` — store the upload and queue its validation.
  Raises PermissionDenied (no import permission anywhere) or ServiceError (empty or too large file).
- Poll the job for progress: ``status``, ``progress_percent`` (rows_done / rows_total), ``error_message``
  (a file-level problem when FAILED; the reason a confirmed import was refused otherwise), ``errors``
  (every problem: sheet, row as Excel shows it, column header, message) and ``summary`` (below). Use
  ``ImportJob.objects.defer("content")`` for pages; a user sees only the jobs they created.
- ``excel.errors_workbook(job) -> bytes`` — all problems as an .xlsx to download.
- ``jobs.import_confirm(actor=, job=, good_rows_only=)`` — queue the write. With problems, only
  ``good_rows_only=True`` is accepted: every household with a bad row is skipped entirely.
- ``jobs.import_cancel(actor=, job=)`` — abandon a job that has not been applied.
- ``services.households_export(actor=, qs=) -> bytes`` — the households of ``qs`` (scoped again here) in the same
  layout, audited.

``summary`` (after validation: what applying would do; after applying: what was done)::

    {"households": {"create": n, "update": n, "unchanged": n, "skipped": n},
     "residents": {"create": n, "update": n, "unchanged": n, "skipped": n},
     "rows": {"households": {"total": n, "good": n, "bad": n, "skipped": n}, "members": {...}},
     "error_count": n}

"bad" rows have problems of their own; "skipped" rows are fine but belong to a household with a bad row.

Rules (also in the template's 填写说明): 户编号 links the two sheets and is required in both. A code
already in the registry updates that household. A new household carries a temporary code ("新1") that
is replaced on apply by village code + 4-digit serial, assigned in file order; a code already in that
form for the row's village is kept. A temporary-coded household whose head (by ID number) already
heads a registered household *is* that household, so importing a file twice never duplicates
households; residents are matched on ID number, or by name within the household. Importing never
deletes or moves people.

Validation writes only the job. Applying matches the rows against the registry again inside one
transaction and refuses if the problems differ from what the user confirmed (the registry changed
meanwhile). Reading a 400,000-row workbook takes seconds, so the worker keeps the rows it read while
validating and applying reuses them when the file, the user's regions and the tag and region tables
are unchanged; otherwise it reads the file again. On SQLite it also keeps validation's matching, and
applying skips matching again when a fingerprint of the registry taken inside the write transaction
equals the one taken before validation matched (nothing in the registry changed meanwhile).
"""
