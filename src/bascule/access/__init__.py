"""Record-level access (SPEC §18): who reads and who edits which records, in one place.

``rules`` decides (pure: the playbook's ``[access]``, the actor's place among users and teams,
the record's owner and queue); ``service`` loads that place and answers for one record
(``check``: not readable is ``NotFound``, readable but not editable is ``Forbidden`` with the
reason) and for lists and reports (``where``: one SQL condition, from ``storage.access``)."""
