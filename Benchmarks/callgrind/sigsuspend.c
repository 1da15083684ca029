/* Preloaded into a server run under valgrind 3.19 (Debian 12's) by Benchmarks/instructions.py.
 *
 * That valgrind writes into the signal mask handed to rt_sigsuspend, to keep its own signals
 * deliverable. libdispatch's main thread (a Swift program with an async main parks in
 * dispatch_main) waits in sigsuspend on a mask kept in read-only memory, so valgrind itself
 * crashes with SIGSEGV at that call. This gives the kernel a writable copy of the mask instead;
 * what the program does is unchanged. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
