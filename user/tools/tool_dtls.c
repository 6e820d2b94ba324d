// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The protection options every tool takes, into a pmark_ep_config. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "tool_dtls.h"
#include "tool_util.h"

bool tool_dtls_parse(struct tool_dtls *t, int code, const char *arg)
{
	switch (code) {
	case OPT_DTLS:
		t->on = true;
		return true;
	case OPT_CERT:
		t->dc.cert_file = arg;
		return true;
	case OPT_KEY:
		t->dc.key_file = arg;
		return true;
	case OPT_PEER_FP:
		t->dc.peer_fingerprint = arg;
		return true;
	case OPT_KEYLOG:
		t->dc.keylog_file = arg;
		return true;
	case OPT_CLEAR_PCAP:
		t->pcap = arg;
		return true;
	case OPT_CLEAR_MIRROR:
		tool_addr_opt("--cleartext-mirror", arg, &t->mirror);
		t->have_mirror = true;
		return true;
	case OPT_CLEARTEXT:
		t->cleartext = true;
		return true;
	}
	return false;
}

/* The file an option names, opened as the library will: say which one fails. */
static void file_check(const char *opt, const char *path, int flags)
{
	int fd;

	if (!path)
		return;
	fd = open(path, flags | O_CLOEXEC, 0600);
	if (fd < 0)
		tool_die("%s %s: %s", opt, path, strerror(errno));
	close(fd);
}

void tool_dtls_setup(struct tool_dtls *t, struct pmark_ep_config *cfg)
{
	const char *needs = t->dc.cert_file ? "--cert" : t->dc.key_file ? "--key"
			    : t->dc.peer_fingerprint ? "--peer-fingerprint" : t->dc.keylog_file ? "--keylog"
			    : t->pcap ? "--cleartext-pcap" : t->have_mirror ? "--cleartext-mirror"
			    : t->cleartext ? "--cleartext" : NULL;

	if (!t->on) {
		if (needs)
			tool_usage_error("%s: only with --dtls (plain SCTP is already cleartext)", needs);
		return;
	}
	if (t->cleartext && !t->pcap && !t->have_mirror)
		tool_usage_error("--cleartext: give --cleartext-pcap FILE and/or --cleartext-mirror ADDR:PORT");
	file_check("--cert", t->dc.cert_file, O_RDONLY);
	file_check("--key", t->dc.key_file, O_RDONLY);
	file_check("--keylog", t->dc.keylog_file, O_WRONLY | O_CREAT | O_APPEND);
	t->d = pmark_dtls_new(&t->dc);
	if (!t->d)
		tool_die("dtls: %s%s", strerror(errno),
			 errno == EINVAL && t->dc.cert_file ? " (is --cert a PEM certificate, with its "
				"key in it or in --key?)" : errno == EINVAL && t->dc.peer_fingerprint ?
				" (--peer-fingerprint: \"sha-256 AB:CD:...\", 32 bytes in hex)" : "");
	if (pmark_dtls_fingerprint(t->d, t->fingerprint, sizeof(t->fingerprint)) < 0)
		t->fingerprint[0] = '\0';
	cfg->transform = &pmark_dtls_ops;
	cfg->transform_ctx = t->d;
	cfg->cleartext_pcap = t->pcap;
	if (t->have_mirror) {
		cfg->cleartext_mirror = (const struct sockaddr *)&t->mirror.ss;
		cfg->cleartext_mirror_len = t->mirror.len;
	}
}

void tool_dtls_line(FILE *f, const struct tool_dtls *t)
{
	if (t->on)
		fprintf(f, "dtls: %s\n", t->fingerprint);
}

void tool_dtls_json(struct json *j, const struct tool_dtls *t)
{
	char a[TOOL_ADDRSTRLEN];

	json_bool(j, "dtls", t->on);
	json_str(j, "fingerprint", t->on ? t->fingerprint : NULL);
	json_str(j, "keylog", t->dc.keylog_file);
	json_str(j, "cleartext_pcap", t->pcap);
	json_str(j, "cleartext_mirror",
		 t->have_mirror ? tool_addr_str((const struct sockaddr *)&t->mirror.ss, a) : NULL);
}

void tool_dtls_free(struct tool_dtls *t)
{
	pmark_dtls_free(t->d);
	t->d = NULL;
}
