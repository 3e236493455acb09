-- Unique rules SQLAlchemy's inspector misses on SQLite: a column-level UNIQUE
-- becomes an automatic index (origin 'u') that get_unique_constraints() does not parse.
SELECT il.name AS index_name, il.origin AS origin, ii.name AS column_name
FROM pragma_index_list(:table) AS il
JOIN pragma_index_info(il.name) AS ii
WHERE il."unique" = 1 AND il.origin IN ('u', 'c')
ORDER BY il.name, ii.seqno
