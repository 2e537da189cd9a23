/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Takes an nflog group and holds it, as ulogd would: binds GROUP on a
 * NETLINK_NETFILTER socket of the current network namespace, prints
 * "bound" (or the error) and sleeps until killed. Used by
 * tests/integration/t-fault-nflog.sh, which compiles it:
 * cc -O2 -o $T/nflog_hold tests/load/nflog_hold.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[256] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nfgenmsg *nfg;
	struct nlattr *nla;
	struct nfulnl_msg_config_cmd *cmd;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s GROUP\n", argv[0]);
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("netlink socket");
		return 1;
	}
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*nfg));
	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	nfg = NLMSG_DATA(nlh);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons((uint16_t)atoi(argv[1]));
	nla = (struct nlattr *)(buf + NLMSG_ALIGN(nlh->nlmsg_len));
	nla->nla_type = NFULA_CFG_CMD;
	nla->nla_len = NLA_HDRLEN + sizeof(*cmd);
	cmd = (struct nfulnl_msg_config_cmd *)((char *)nla + NLA_HDRLEN);
	cmd->command = NFULNL_CFG_CMD_BIND;
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(nla->nla_len);
	if (send(fd, buf, nlh->nlmsg_len, 0) < 0) {
		perror("send");
		return 1;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || nlh->nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "unexpected answer\n");
		return 1;
	}
	if (((struct nlmsgerr *)NLMSG_DATA(nlh))->error) {
		fprintf(stderr, "bind group %s: %s\n", argv[1],
			strerror(-((struct nlmsgerr *)NLMSG_DATA(nlh))->error));
		return 1;
	}
	printf("bound\n");
	fflush(stdout);
	for (;;)
		pause();
}
