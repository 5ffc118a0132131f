/* SPDX-License-Identifier: GPL-2.0-or-later
 * One shell quoter for the fix commands subid-check prints (systemd's shell_escape() idea): the
 * admin pastes them into a root shell, so a user name or path must stay one word whatever it holds. */
#ifndef NEWIDMAP_SHQUOTE_H
#define NEWIDMAP_SHQUOTE_H

#include <stddef.h>

/* w as one POSIX shell word into buf: unchanged when every byte is in [A-Za-z0-9._@+/,:=-] and it
 * does not start with '-', else in single quotes with each ' written as '\''. Returns the length
 * written, or -ENOBUFS when it does not fit (buf then holds ""). */
int shell_quote(const char *w, char *buf, size_t size);

#endif
