/*
 * auditd_syscalls.h: syscall names by architecture and number, so that an
 * auditd record's syscall=59 can be matched as SYSCALL=execve whatever the
 * machine it came from. The table is generated (tools/gen-syscalls.sh).
 */
#ifndef WH_AUDITD_SYSCALLS_H
#define WH_AUDITD_SYSCALLS_H

enum wh_audit_arch {
	WH_AUDIT_ARCH_UNKNOWN = 0,
	WH_AUDIT_ARCH_X86_64,
	WH_AUDIT_ARCH_I386,
	WH_AUDIT_ARCH_AARCH64,
};

/* The syscall's name, or NULL for an unknown architecture or number. */
const char *wh_auditd_syscall_name(enum wh_audit_arch arch, unsigned long nr);

#endif
