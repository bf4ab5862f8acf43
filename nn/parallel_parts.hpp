// tbb::parallel_for over parts [0, parts) for the NN runner, with the orderings TBB guarantees
// (the call happens before every body, every body before the call returns) declared to
// ThreadSanitizer: libtbb.so is not instrumented, so TSan cannot see them by itself (the
// engine does the same in vm/threads.cpp).
#pragma once
#include <tbb/parallel_for.h>

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
#endif

namespace exprvm::nn {

template <class Body>
void parallel_parts(int parts, const Body& body) {
#if defined(__SANITIZE_THREAD__)
  char token = 0;
  __tsan_release(&token);
  tbb::parallel_for(0, parts, [&](int part) {
    __tsan_acquire(&token);
    body(part);
    __tsan_release(&token);
  });
  __tsan_acquire(&token);
#else
  tbb::parallel_for(0, parts, body);
#endif
}

}  // namespace exprvm::nn
