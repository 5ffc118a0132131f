/* SPDX-License-Identifier: GPL-2.0-or-later
 * pamdrive SERVICE USER N: time pam_open_session() (plus the matching pam_close_session(), not
 * timed) N times on one PAM handle, after one warm-up pair, and print
 *   "runs N mean_us M median_us D p90_us P"
 * so a module's own cost is seen without a process start per call. Built by bench-pam.sh at run
 * time with `cc -lpam`. Exit 1 if a call does not return PAM_SUCCESS. */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)data;
	*resp = NULL;
	return PAM_CONV_ERR;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct pam_conv conv = { no_conv, NULL };
	pam_handle_t *pamh = NULL;
	double *t, total = 0;
	long n;
	int r;

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) < 1 || n > 10000000) {
		fprintf(stderr, "usage: pamdrive SERVICE USER N\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof *t);
	if (!t)
		return 2;
	r = pam_start(argv[1], argv[2], &conv, &pamh);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_start: %s\n", pam_strerror(pamh, r));
		return 1;
	}
	r = pam_open_session(pamh, 0);
	if (r == PAM_SUCCESS)
		r = pam_close_session(pamh, 0);
	for (long i = 0; i < n && r == PAM_SUCCESS; i++) {
		double t0 = now_us();

		r = pam_open_session(pamh, 0);
		t[i] = now_us() - t0;
		total += t[i];
		if (r == PAM_SUCCESS)
			r = pam_close_session(pamh, 0);
	}
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: %s\n", pam_strerror(pamh, r));
		pam_end(pamh, r);
		free(t);
		return 1;
	}
	pam_end(pamh, PAM_SUCCESS);
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	printf("runs %ld mean_us %.1f median_us %.1f p90_us %.1f\n", n, total / n, t[n / 2],
	       t[(n * 9) / 10 - (n >= 10 ? 1 : 0)]);
	free(t);
	return 0;
}
