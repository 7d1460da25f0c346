/*
 * main.c: whitehawk's entry point. Finds the subcommand in the table of
 * src/cmd/commands.c and runs it.
 */
#include "cmd/cmd.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static void main_help(FILE *out)
{
	fputs("usage: whitehawk COMMAND [OPTIONS] [ARGS]\n"
	      "       whitehawk help COMMAND | COMMAND -h | --version\n\n"
	      "whitehawk reads the logs of an incident and answers what an incident responder\n"
	      "asks: malware or false positive, how far the attack got, what to do.\n\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; wh_commands[i]; i++)
		fprintf(out, "  %-10s %s\n", wh_commands[i]->name, wh_commands[i]->summary);
	fputs("\nexit status: 0 done, 1 findings at or above --fail-on, 2 usage or input error\n", out);
}

int main(int argc, char **argv)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	if (argc < 2) {
		main_help(stderr);
		return WH_EXIT_ERROR;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		main_help(stdout);
		return WH_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("whitehawk %s\n", WH_VERSION);
		return WH_EXIT_OK;
	}
	if (strcmp(name, "help") == 0) {
		if (argc < 3) {
			main_help(stdout);
			return WH_EXIT_OK;
		}
		const struct wh_cmd *c = wh_command_find(argv[2]);
		if (!c) {
			fprintf(stderr, "whitehawk: no command '%s'\n", argv[2]);
			return WH_EXIT_ERROR;
		}
		wh_cmd_help(c, stdout);
		return WH_EXIT_OK;
	}
	const struct wh_cmd *c = wh_command_find(name);
	if (!c) {
		fprintf(stderr, "whitehawk: no command '%s'; see 'whitehawk --help'\n", name);
		return WH_EXIT_ERROR;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			wh_cmd_help(c, stdout);
			return WH_EXIT_OK;
		}
	}
	return c->run(argc - 1, argv + 1);
}
