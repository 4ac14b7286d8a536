// The `tame` command: everything lives in runner/cli.cc and the verb files.
#include "runner/cli.h"

int main(int argc, char** argv) { return tame::RunCli(argc, argv); }
