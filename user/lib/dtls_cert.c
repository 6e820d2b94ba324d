// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The transform's certificate and key, and fingerprints.
 *
 * A peer is authenticated by its certificate's fingerprint, as SDP carries
 * it (RFC 8122 a=fingerprint: "sha-256 AB:CD:..."), not by a CA: the
 * certificate is usually self-signed and made at run time, as WebRTC does.
 * Without cert_file we make one: ECDSA P-256, SHA-256 signature, a random
 * serial and common name, valid from a day ago for a year (nobody checks
 * dates: the fingerprint is what counts).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include "dtls_int.h"

/* RFC 8122 hash function names (the ones still in use). */
static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
} fp_algs[] = {
	{ "sha-256", EVP_sha256 },
	{ "sha-1", EVP_sha1 },
	{ "sha-224", EVP_sha224 },
	{ "sha-384", EVP_sha384 },
	{ "sha-512", EVP_sha512 },
};

int pm_dtls_fp_format(X509 *cert, const EVP_MD *md, const char *name, char *buf, size_t len)
{
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t need, pos;

	if (!cert || !md || !X509_digest(cert, md, dg, &n) || !n)
		return -EINVAL;
	need = strlen(name) + 1 + n * 3 - 1;
	if (!buf || len < need + 1)
		return -ENOSPC;
	pos = (size_t)snprintf(buf, len, "%s ", name);
	for (unsigned int i = 0; i < n; i++)
		pos += (size_t)snprintf(buf + pos, len - pos, i ? ":%02X" : "%02X", dg[i]);
	return (int)pos;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int pm_dtls_fp_parse(const char *s, const EVP_MD **md, char *name, size_t name_len,
		     unsigned char *fp, unsigned int *fp_len)
{
	const char *p = s, *hex, *alg_end, *q;
	size_t alg_len, n = 0, want;
	int k = 0;
	bool colons = false;

	if (!s)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	/* "alg HEX" or the hex alone: an algorithm name is followed by a space. */
	alg_end = p;
	while (*alg_end && !isspace((unsigned char)*alg_end))
		alg_end++;
	if (*alg_end) {
		alg_len = (size_t)(alg_end - p);
		for (k = 0; k < (int)(sizeof(fp_algs) / sizeof(fp_algs[0])); k++)
			if (strlen(fp_algs[k].name) == alg_len && !strncasecmp(p, fp_algs[k].name, alg_len))
				break;
		if (k == (int)(sizeof(fp_algs) / sizeof(fp_algs[0])))
			return -EINVAL;
		hex = alg_end;
		while (isspace((unsigned char)*hex))
			hex++;
	} else {
		k = 0;   /* sha-256 */
		hex = p;
	}
	want = (size_t)EVP_MD_get_size(fp_algs[k].md());
	q = hex;
	while (*q && !isspace((unsigned char)*q)) {
		int hi, lo;

		if (n) {
			if (*q == ':') {
				if (n == 1)
					colons = true;
				else if (!colons)
					return -EINVAL;
				q++;
			} else if (colons) {
				return -EINVAL;
			}
		}
		hi = hexval((unsigned char)q[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)q[1]);
		if (hi < 0 || lo < 0 || n >= want)
			return -EINVAL;
		fp[n++] = (unsigned char)(hi << 4 | lo);
		q += 2;
	}
	while (isspace((unsigned char)*q))
		q++;
	if (*q)
		return -EINVAL;
	if (n != want)
		return -EINVAL;
	*md = fp_algs[k].md();
	*fp_len = (unsigned int)n;
	snprintf(name, name_len, "%s", fp_algs[k].name);
	return 0;
}

/* Never asks for a passphrase (OpenSSL's default would prompt on the terminal). */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

static int load_files(SSL_CTX *ctx, const char *cert_file, const char *key_file)
{
	FILE *f;
	X509 *leaf, *c;
	EVP_PKEY *key;
	int ret;

	f = fopen(cert_file, "re");
	if (!f)
		return -errno;
	leaf = PEM_read_X509(f, NULL, no_password, NULL);
	if (!leaf) {
		fclose(f);
		return -EINVAL;
	}
	ret = SSL_CTX_use_certificate(ctx, leaf) == 1 ? 0 : -EINVAL;
	X509_free(leaf);
	/* Any further certificates in the file: the chain to send with it. */
	while (!ret && (c = PEM_read_X509(f, NULL, no_password, NULL)))
		if (!SSL_CTX_add0_chain_cert(ctx, c)) {
			X509_free(c);
			ret = -EINVAL;
		}
	fclose(f);
	ERR_clear_error();   /* the end of the file reads as a "no start line" error */
	if (ret)
		return ret;

	f = fopen(key_file ? key_file : cert_file, "re");
	if (!f)
		return -errno;
	key = PEM_read_PrivateKey(f, NULL, no_password, NULL);
	fclose(f);
	if (!key)
		return -EINVAL;
	ret = SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1 ? 0 : -EINVAL;
	EVP_PKEY_free(key);
	return ret;
}

static int generate(SSL_CTX *ctx)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	BIGNUM *bn = NULL;
	X509_NAME *name;
	unsigned char rnd[8];
	char cn[32];
	int ret = -ENOMEM;

	if (!key || !x)
		goto out;
	ret = -EIO;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto out;
	rnd[0] &= 0x7f;   /* a positive serial */
	rnd[0] |= 0x01;
	bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
	snprintf(cn, sizeof(cn), "pmark-%02x%02x%02x%02x", rnd[4], rnd[5], rnd[6], rnd[7]);
	name = X509_get_subject_name(x);
	if (!bn || !X509_set_version(x, X509_VERSION_3) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -86400L) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400L) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key) ||
	    !X509_sign(x, key, EVP_sha256()))
		goto out;
	if (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
		goto out;
	ret = 0;
out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(key);
	return ret;
}

int pm_dtls_cert_setup(struct pmark_dtls *d, const char *cert_file, const char *key_file)
{
	int ret;

	if (!cert_file && key_file)
		return -EINVAL;
	ret = cert_file ? load_files(d->ctx, cert_file, key_file) : generate(d->ctx);
	if (ret)
		return ret;
	d->cert = SSL_CTX_get0_certificate(d->ctx);
	if (!d->cert)
		return -EINVAL;
	ret = pm_dtls_fp_format(d->cert, EVP_sha256(), "sha-256", d->fingerprint, sizeof(d->fingerprint));
	return ret < 0 ? ret : 0;
}
