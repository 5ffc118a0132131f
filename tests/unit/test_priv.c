/* SPDX-License-Identifier: GPL-2.0-or-later
 * Check suite for newidmap/priv.c: the phase machine the privileged core runs through. Run as an
 * ordinary process (no capability is needed to check the rules): the forward path works and holds
 * nothing effective; every out-of-order call aborts (Check's fork mode turns SIGABRT into the
 * expected outcome), since a capability raised in the wrong phase is a bug, never an input. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <unistd.h>

#include "priv.h"
#include "check-run.h"

static void init_or_fail(void)
{
	struct priv_error err;

	ck_assert_int_eq(priv_init(CAP_SETUID, &err), 0);
	ck_assert_int_eq(err.why, PRIV_OK);
	ck_assert_int_eq(priv_phase(), PRIV_IDENTIFY);
}

static bool nothing_effective(void)
{
	cap_t caps = cap_get_proc();
	bool none = true;

	for (cap_value_t c = 0; caps && c < (cap_value_t)cap_max_bits(); c++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(caps, c, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET)
			none = false;
	}
	cap_free(caps);
	return caps && none;
}

START_TEST(test_phases)
{
	init_or_fail();
	ck_assert(nothing_effective());
	priv_enter(PRIV_TARGET);
	priv_enter(PRIV_GRANTS);
	priv_enter(PRIV_VALIDATE);
	ck_assert_int_eq(priv_forget_setfcap(), 0);
	priv_enter(PRIV_WRITE);
	ck_assert_int_eq(priv_drop_after_write(), 0);
	ck_assert_int_eq(priv_phase(), PRIV_LOG);
	ck_assert(nothing_effective());
	/* Without CAP_AUDIT_WRITE no record is attempted. */
	ck_assert(!priv_audit_permitted() || geteuid() == 0);
	ck_assert_int_eq(priv_clear(), 0);
	ck_assert_int_eq(priv_phase(), PRIV_DONE);
}
END_TEST

/* Each case: a call the phase does not allow. */
START_TEST(test_wrong_phase)
{
	init_or_fail();
	switch (_i) {
	case 0: /* the capability raised before the write phase */
		(void)priv_raise_for_write(false);
		break;
	case 1: /* a phase going backwards */
		priv_enter(PRIV_GRANTS);
		priv_enter(PRIV_TARGET);
		break;
	case 2: /* an audit raise while the write capability may be effective */
		priv_enter(PRIV_WRITE);
		(void)priv_audit_raise();
		break;
	case 3: /* the drop after the write, outside the write phase */
		(void)priv_drop_after_write();
		break;
	case 4: /* CAP_SETFCAP dropped after the write phase began */
		priv_enter(PRIV_WRITE);
		(void)priv_forget_setfcap();
		break;
	case 5: /* the raise after the drop: PRIV_LOG never writes again */
		priv_enter(PRIV_WRITE);
		(void)priv_drop_after_write();
		(void)priv_raise_for_write(false);
		break;
	case 6: /* priv_init twice */
		{
			struct priv_error err;

			(void)priv_init(CAP_SETUID, &err);
		}
		break;
	}
}
END_TEST

/* A phase entered before the privilege check ran. */
START_TEST(test_no_init)
{
	priv_enter(PRIV_TARGET);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("priv");
	TCase *tc = tcase_create("priv");

	tcase_add_test(tc, test_phases);
	tcase_add_loop_test_raise_signal(tc, test_wrong_phase, SIGABRT, 0, 7);
	tcase_add_test_raise_signal(tc, test_no_init, SIGABRT);
	suite_add_tcase(s, tc);
	return run_suite(s, true);
}
