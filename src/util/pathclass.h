/*
 * pathclass.h: what a file path says about the file, for Windows paths and
 * for Linux paths by the Filesystem Hierarchy Standard.
 *
 * wh_path_class() returns a set of WH_PC_* flags; it never allocates and
 * accepts any bytes (a path taken from a log is untrusted). Windows paths
 * are recognised by a drive letter, a UNC or \\?\ prefix, a \Device\ prefix
 * or a %VARIABLE% at the start; anything starting with '/' is a Linux path.
 */
#ifndef WH_PATHCLASS_H
#define WH_PATHCLASS_H

#include <stddef.h>
#include <stdint.h>

enum wh_path_flag {
	WH_PC_WINDOWS = 1u << 0,         /* a Windows path */
	WH_PC_LINUX = 1u << 1,           /* a Linux (POSIX) path */
	/* Windows places */
	WH_PC_WIN_TEMP = 1u << 2,        /* \AppData\Local\Temp, \Windows\Temp, %TEMP% */
	WH_PC_WIN_APPDATA = 1u << 3,     /* \AppData\ (Local, Roaming, LocalLow) */
	WH_PC_WIN_PROGRAMDATA = 1u << 4, /* \ProgramData\ */
	WH_PC_WIN_PUBLIC = 1u << 5,      /* \Users\Public\ */
	WH_PC_WIN_DOWNLOADS = 1u << 6,   /* \Users\X\Downloads\ */
	WH_PC_WIN_PROGRAMS = 1u << 7,    /* \Program Files\, \Program Files (x86)\ */
	WH_PC_WIN_SYSTEM = 1u << 8,      /* \Windows\System32\, \SysWOW64\, \WinSxS\ */
	WH_PC_WIN_WINDOWS = 1u << 9,     /* anywhere under \Windows\ */
	WH_PC_WIN_USER = 1u << 10,       /* under a user profile \Users\X\ */
	WH_PC_WIN_RECYCLE = 1u << 11,    /* \$Recycle.Bin\ */
	WH_PC_WIN_DESKTOP = 1u << 12,    /* \Users\X\Desktop\ */
	WH_PC_NETWORK = 1u << 13,        /* UNC \\host\share */
	/* Linux places (FHS) */
	WH_PC_LX_TMP = 1u << 16,         /* /tmp, /var/tmp, /dev/shm */
	WH_PC_LX_HIDDEN = 1u << 17,      /* a component that starts with '.' */
	WH_PC_LX_PROGRAMS = 1u << 18,    /* where the FHS puts programs: /usr/bin, /usr/sbin, /bin, /sbin,
					    /usr/local/bin, /usr/local/sbin, /usr/lib*, /lib*, /usr/libexec, /opt */
	WH_PC_LX_HOME = 1u << 19,        /* /home/X, /root */
	WH_PC_LX_ETC = 1u << 20,         /* /etc */
	WH_PC_LX_VAR = 1u << 21,         /* /var (not /var/tmp) */
	WH_PC_LX_RUN = 1u << 22,         /* /run, /var/run */
	WH_PC_LX_DEV = 1u << 23,         /* /dev (not /dev/shm) */
	WH_PC_LX_PROC = 1u << 24,        /* /proc, /sys: not files at all */
	WH_PC_LX_BOOT = 1u << 25,        /* /boot */
	/* shape */
	WH_PC_DEEP = 1u << 28,           /* nested deeper than WH_PC_DEEP_LEVELS components */
};

#define WH_PC_DEEP_LEVELS 8

uint32_t wh_path_class(const char *path, size_t n);

/* Flags that make a place suspicious for an executable to run from. */
#define WH_PC_SUSPICIOUS_EXEC                                                            \
	(WH_PC_WIN_TEMP | WH_PC_WIN_APPDATA | WH_PC_WIN_PROGRAMDATA | WH_PC_WIN_PUBLIC |   \
	 WH_PC_WIN_DOWNLOADS | WH_PC_WIN_RECYCLE | WH_PC_WIN_DESKTOP | WH_PC_LX_TMP |      \
	 WH_PC_LX_HIDDEN | WH_PC_LX_DEV | WH_PC_DEEP)

/* A Linux executable outside the FHS places for programs. */
static inline int wh_path_outside_fhs_programs(uint32_t pc)
{
	return (pc & WH_PC_LINUX) && !(pc & WH_PC_LX_PROGRAMS);
}

/* Tricks played with a file name (the last path component). */
enum wh_name_flag {
	WH_NT_EXECUTABLE = 1u << 0,  /* the extension runs code on Windows (.exe .scr .com .bat ...) */
	WH_NT_DOUBLE_EXT = 1u << 1,  /* a document extension before the real one: invoice.pdf.exe */
	WH_NT_PADDING = 1u << 2,     /* a run of spaces, underscores or dots hides the real extension */
	WH_NT_RTLO = 1u << 3,        /* a right-to-left override (U+202E) reverses what is shown */
	WH_NT_DOCUMENT = 1u << 4,    /* the extension is a document's (.pdf .docx ...) */
};

uint32_t wh_name_tricks(const char *path, size_t n);
/* The last component of a Windows or Linux path (points into path). */
const char *wh_path_basename(const char *path, size_t n, size_t *blen);

#endif
