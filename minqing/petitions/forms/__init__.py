"""The forms of requests: the staff pages' (`staff`) and the public pages' (`public`)."""
