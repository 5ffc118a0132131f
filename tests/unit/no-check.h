/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Forced into every unit test when configure found no Check (tests/unit/Makemodule.am): the
 * programs build and install without it, make check stops here with the reason. */
#error "the unit tests need Check: install it (Debian package check), then re-run ./configure"
