/* SPDX-License-Identifier: GPL-2.0-or-later
 * The one escaping function for text that leaves the suite: log lines (syslog, audit), the one
 * line on stderr, subid-check's human output. Like systemd's xescape(), the caller names the
 * bytes that are special where the text goes; on top of those, a few are always escaped.
 *
 * Always escaped, whatever the set: every control byte (0x00-0x1f, 0x7f: newlines forge log
 * lines, ESC and CR drive the reader's terminal) and every byte >= 0x80 (a C1 control such as CSI
 * 0x9b on an 8-bit terminal; and a log reader must never have to guess an encoding). An escaped
 * byte is "\xNN", two lower-case hex digits: the form the logs have always used. The sets for
 * logs and prose hold '\' itself, so that an escape there always came from us. */
#ifndef NEWIDMAP_ESCAPE_H
#define NEWIDMAP_ESCAPE_H

#include <stddef.h>

/* The extra sets, by where the text goes. */
#define ESCAPE_TEXT "\\"        /* free text for a person (a terminal line) */
#define ESCAPE_QUOTED "\\\""     /* a value between double quotes: key="value" */
#define ESCAPE_FIELD "\\\" ="    /* a bare value of a key=value field: a space or '=' would start one */
/* A command line for a person to copy (subid-check's fixes): its shell quoting ('\\'') must
 * survive; control and high bytes are still escaped. */
#define ESCAPE_COMMAND ""
/* Text that one of our own programs already escaped (pam_subid logging subid-alloc's stderr line):
 * its "\xNN" stay as they are, a raw control byte or '"' still cannot pass. */
#define ESCAPE_ESCAPED "\""

/* The longest output for n input bytes, with the NUL. */
#define ESCAPE_MAX(n) ((n) * 4 + 1)

/* Write s, escaped (the bytes above, and those in bad: ASCII, NUL-terminated, may be NULL), into buf of
 * size bytes, always NUL-terminated when size > 0. An escape is never cut in half. s NULL is "".
 * Returns 0, -ENOBUFS when the output was cut (it then ends in "..." when size >= 4), -EINVAL
 * when size is 0. */
int str_escape(const char *s, const char *bad, char *buf, size_t size);

/* The same for the first len bytes of s (NUL bytes included, escaped). */
int str_escape_mem(const char *s, size_t len, const char *bad, char *buf, size_t size);

/* The whole of s, escaped, in a new malloc()ed string in *ret. Returns 0 or -ENOMEM; *ret is
 * untouched on failure. s NULL is "". */
int str_escape_alloc(const char *s, const char *bad, char **ret);

#endif
