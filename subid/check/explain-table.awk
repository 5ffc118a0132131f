# docs/explain.tsv -> explain-table.h: each table line as one C string literal (comments and
# blank lines dropped). Character by character, as sub()/gsub() treat backslashes in their
# replacement differently from one awk to the next.
/^#/ || /^[ \t]*$/ { next }
{
	out = ""
	for (i = 1; i <= length($0); i++) {
		ch = substr($0, i, 1)
		if (ch == "\\")
			ch = "\\\\"
		else if (ch == "\"")
			ch = "\\\""
		else if (ch == "\t")
			ch = "\\t"
		out = out ch
	}
	print "\"" out "\","
}
