/*
 * banned.h: functions that invite buffer overruns or silent number parsing
 * errors. Included into every translation unit by the build, so a use of one
 * of them fails to compile. Use snprintf, memcpy with a checked length, the
 * wh_sbuf string buffer, strtok_r and wh_parse_num (or strtol with end and
 * range checks) instead.
 */
#ifndef WH_BANNED_H
#define WH_BANNED_H

/* Pull in the real declarations first so the macros below only affect our code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WH_BANNED(func) sorry_##func##_is_banned_in_whitehawk

#undef strcpy
#define strcpy(x, y) WH_BANNED(strcpy)
#undef strcat
#define strcat(x, y) WH_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) WH_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) WH_BANNED(strncat)
#undef sprintf
#define sprintf(...) WH_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) WH_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) WH_BANNED(strtok)
#undef gets
#define gets(x) WH_BANNED(gets)
#undef atoi
#define atoi(x) WH_BANNED(atoi)
#undef atol
#define atol(x) WH_BANNED(atol)

#endif
