/* SPDX-License-Identifier: GPL-2.0-or-later
 * The one way a unit test's main() runs its suite: every test, the normal report (the TAP output
 * for make check: CK_TAP_LOG_FILE_NAME=-, set by tests/Makemodule.am), and the exit status.
 * fork_always: the suite changes process-wide state (signal dispositions, credentials, the
 * privilege phase), so each test runs in a child even under CK_FORK=no (as when run under valgrind
 * by hand); otherwise CK_FORK from the environment decides. */
#ifndef NEWIDMAP_CHECK_RUN_H
#define NEWIDMAP_CHECK_RUN_H

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>

static inline int run_suite(Suite *s, bool fork_always)
{
	SRunner *sr = srunner_create(s);
	int failed;

	if (fork_always)
		srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
