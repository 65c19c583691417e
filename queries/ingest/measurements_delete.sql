-- Remove the rows of one ingested source ($source) so that re-ingesting a file replaces them.
DELETE FROM measurements WHERE source = $source;
