"""ETL: the only way data enters the LEAD reporting database, and the owner of that database."""
