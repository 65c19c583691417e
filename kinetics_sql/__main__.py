"""`python -m kinetics_sql` is the `kinetics-sql` command."""

from kinetics_sql.cli import main

main()
