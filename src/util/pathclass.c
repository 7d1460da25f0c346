#include "util/pathclass.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static bool has_prefix_ci(const char *s, size_t n, const char *p)
{
	size_t pn = strlen(p);
	return n >= pn && strncasecmp(s, p, pn) == 0;
}

/* Case-insensitive substring search for an ASCII needle. */
static bool contains_ci(const char *s, size_t n, const char *needle)
{
	size_t nn = strlen(needle);
	if (nn > n)
		return false;
	for (size_t i = 0; i + nn <= n; i++)
		if (strncasecmp(s + i, needle, nn) == 0)
			return true;
	return false;
}

static bool is_windows(const char *p, size_t n)
{
	if (n >= 2 && ((p[0] | 32) >= 'a' && (p[0] | 32) <= 'z') && p[1] == ':')
		return true;
	if (n >= 2 && p[0] == '\\' && p[1] == '\\')
		return true;
	if (n >= 1 && p[0] == '%')
		return true;
	if (has_prefix_ci(p, n, "\\device\\") || has_prefix_ci(p, n, "\\systemroot\\") ||
	    has_prefix_ci(p, n, "\\??\\"))
		return true;
	return memchr(p, '\\', n) != NULL && !memchr(p, '/', n);
}

static uint32_t windows_class(const char *p, size_t n)
{
	uint32_t f = WH_PC_WINDOWS;
	if (n >= 2 && p[0] == '\\' && p[1] == '\\' && !has_prefix_ci(p, n, "\\\\?\\") &&
	    !has_prefix_ci(p, n, "\\\\.\\"))
		f |= WH_PC_NETWORK;
	if (contains_ci(p, n, "\\appdata\\local\\temp\\") || contains_ci(p, n, "\\windows\\temp\\") ||
	    has_prefix_ci(p, n, "%temp%") || has_prefix_ci(p, n, "%tmp%") ||
	    contains_ci(p, n, "\\local settings\\temp\\"))
		f |= WH_PC_WIN_TEMP;
	if (contains_ci(p, n, "\\appdata\\") || has_prefix_ci(p, n, "%appdata%") ||
	    has_prefix_ci(p, n, "%localappdata%"))
		f |= WH_PC_WIN_APPDATA;
	if (has_prefix_ci(p, n, "%localappdata%\\temp\\"))
		f |= WH_PC_WIN_TEMP;
	if (contains_ci(p, n, "\\programdata\\") || has_prefix_ci(p, n, "%programdata%"))
		f |= WH_PC_WIN_PROGRAMDATA;
	if (contains_ci(p, n, "\\users\\public\\") || has_prefix_ci(p, n, "%public%"))
		f |= WH_PC_WIN_PUBLIC;
	if (contains_ci(p, n, "\\program files\\") || contains_ci(p, n, "\\program files (x86)\\") ||
	    has_prefix_ci(p, n, "%programfiles"))
		f |= WH_PC_WIN_PROGRAMS;
	if (contains_ci(p, n, "\\windows\\")  || has_prefix_ci(p, n, "%windir%") ||
	    has_prefix_ci(p, n, "%systemroot%") || has_prefix_ci(p, n, "\\systemroot\\"))
		f |= WH_PC_WIN_WINDOWS;
	if ((f & WH_PC_WIN_WINDOWS) &&
	    (contains_ci(p, n, "\\system32\\") || contains_ci(p, n, "\\syswow64\\") ||
	     contains_ci(p, n, "\\winsxs\\")))
		f |= WH_PC_WIN_SYSTEM;
	if (contains_ci(p, n, "\\$recycle.bin\\"))
		f |= WH_PC_WIN_RECYCLE;
	if (contains_ci(p, n, "\\users\\") || has_prefix_ci(p, n, "%userprofile%") ||
	    contains_ci(p, n, "\\documents and settings\\"))
		f |= WH_PC_WIN_USER;
	if ((f & WH_PC_WIN_USER) || has_prefix_ci(p, n, "%userprofile%")) {
		if (contains_ci(p, n, "\\downloads\\"))
			f |= WH_PC_WIN_DOWNLOADS;
		if (contains_ci(p, n, "\\desktop\\"))
			f |= WH_PC_WIN_DESKTOP;
	}
	size_t depth = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\\' && i + 1 < n && p[i + 1] != '\\')
			depth++;
	if (depth > WH_PC_DEEP_LEVELS)
		f |= WH_PC_DEEP;
	return f;
}

/* Does the path p equal dir or lie below it? */
static bool under(const char *p, size_t n, const char *dir)
{
	size_t dn = strlen(dir);
	return n >= dn && memcmp(p, dir, dn) == 0 && (n == dn || p[dn] == '/');
}

static uint32_t linux_class(const char *p, size_t n)
{
	uint32_t f = WH_PC_LINUX;
	static const char *const programs[] = {
		"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin",
		"/usr/libexec", "/usr/local/libexec", "/usr/games", "/usr/local/games", "/opt",
		"/snap/bin",
	};
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (under(p, n, programs[i]))
			f |= WH_PC_LX_PROGRAMS;
	/* /lib, /lib64, /lib32, /libx32, /usr/lib*, /usr/local/lib* */
	if ((n >= 4 && memcmp(p, "/lib", 4) == 0) || (n >= 8 && memcmp(p, "/usr/lib", 8) == 0) ||
	    (n >= 14 && memcmp(p, "/usr/local/lib", 14) == 0))
		f |= WH_PC_LX_PROGRAMS;
	if (under(p, n, "/tmp") || under(p, n, "/var/tmp") || under(p, n, "/dev/shm"))
		f |= WH_PC_LX_TMP;
	else if (under(p, n, "/dev"))
		f |= WH_PC_LX_DEV;
	if (under(p, n, "/home") || under(p, n, "/root"))
		f |= WH_PC_LX_HOME;
	if (under(p, n, "/etc"))
		f |= WH_PC_LX_ETC;
	if (under(p, n, "/run") || under(p, n, "/var/run"))
		f |= WH_PC_LX_RUN;
	else if (under(p, n, "/var") && !(f & WH_PC_LX_TMP))
		f |= WH_PC_LX_VAR;
	if (under(p, n, "/proc") || under(p, n, "/sys"))
		f |= WH_PC_LX_PROC;
	if (under(p, n, "/boot"))
		f |= WH_PC_LX_BOOT;
	size_t depth = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '/')
			continue;
		depth++;
		if (i + 1 < n && p[i + 1] == '.') {
			/* "." and ".." are not hidden names */
			bool dot = i + 2 == n || p[i + 2] == '/';
			bool dotdot = i + 2 < n && p[i + 2] == '.' && (i + 3 == n || p[i + 3] == '/');
			if (!dot && !dotdot)
				f |= WH_PC_LX_HIDDEN;
		}
	}
	if (depth > WH_PC_DEEP_LEVELS)
		f |= WH_PC_DEEP;
	return f;
}

uint32_t wh_path_class(const char *path, size_t n)
{
	if (!path || n == 0)
		return 0;
	if (path[0] == '/')
		return linux_class(path, n);
	if (is_windows(path, n))
		return windows_class(path, n);
	return 0;
}

const char *wh_path_basename(const char *path, size_t n, size_t *blen)
{
	size_t i = n;
	while (i > 0 && path[i - 1] != '\\' && path[i - 1] != '/')
		i--;
	*blen = n - i;
	return path + i;
}

static bool ext_in(const char *e, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && strncasecmp(e, *list, n) == 0)
			return true;
	return false;
}

static const char *const exec_exts[] = {
	"exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta",
	"msi", "dll", "cpl", "lnk", "ps1", "jar", "reg", "msc", "sys", "iso", "img", NULL,
};
static const char *const doc_exts[] = {
	"pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "rtf", "txt", "csv",
	"odt", "ods", "jpg", "jpeg", "png", "gif", "bmp", "mp3", "mp4", "avi", "zip", "rar",
	"7z", "htm", "html", "xml", "eml", "msg", NULL,
};

uint32_t wh_name_tricks(const char *path, size_t n)
{
	size_t bl;
	const char *b = wh_path_basename(path, n, &bl);
	uint32_t f = 0;
	for (size_t i = 0; i + 2 < bl; i++)
		if ((unsigned char)b[i] == 0xe2 && (unsigned char)b[i + 1] == 0x80 &&
		    (unsigned char)b[i + 2] == 0xae)
			f |= WH_NT_RTLO;
	const char *dot = NULL;
	for (size_t i = bl; i > 0; i--)
		if (b[i - 1] == '.') {
			dot = b + i - 1;
			break;
		}
	if (!dot)
		return f;
	const char *ext = dot + 1;
	size_t elen = (size_t)(b + bl - ext);
	if (ext_in(ext, elen, exec_exts))
		f |= WH_NT_EXECUTABLE;
	if (ext_in(ext, elen, doc_exts))
		f |= WH_NT_DOCUMENT;
	/* Strip the padding between the inner and the real extension. */
	size_t stem = (size_t)(dot - b), pad = 0;
	while (stem > 0 && (b[stem - 1] == '_' || b[stem - 1] == ' ' || b[stem - 1] == '.')) {
		stem--;
		pad++;
	}
	if (pad >= 3)
		f |= WH_NT_PADDING;
	size_t j = stem;
	while (j > 0 && b[j - 1] != '.')
		j--;
	if (j > 1 && (f & WH_NT_EXECUTABLE)) {
		const char *inner = b + j;
		size_t ilen = stem - j;
		if (ext_in(inner, ilen, doc_exts))
			f |= WH_NT_DOUBLE_EXT;
	}
	return f;
}
