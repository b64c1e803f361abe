/* cmd/main.c — placeholder entry until the CLI lands. */
#include <stdio.h>
int main(void) { return 0; }
