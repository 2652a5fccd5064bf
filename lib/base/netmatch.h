/* netmatch.h: whether a client address lies in a list of networks
 * (milter.trusted_networks: ';'-separated CIDRs, IPv4 and IPv6). */
#ifndef DESK_NETMATCH_H
#define DESK_NETMATCH_H

#include <glib.h>
#include "err.h"

/* Whether every entry of NETS ("192.0.2.0/24; 2001:db8::/32; 127.0.0.1",
 * ';' or ',' separated, a bare address is /32 or /128) is a valid CIDR.
 * DESK_CONFIG naming the bad one. An empty list is valid (no network). */
desk_status netmatch_check(const char *nets, desk_err *err);

/* Whether ADDR (textual IPv4 or IPv6, an IPv4-mapped IPv6 address counts
 * as its IPv4 address; "[...]" and "IPv6:" prefixes are taken off) is in
 * one of NETS. Bad entries never match; NULL or empty ADDR never does. */
gboolean netmatch_contains(const char *nets, const char *addr);

#endif
