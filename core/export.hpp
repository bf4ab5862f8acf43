/* EXPRVM_API marks the public API, the only symbols libexprvm.so exports: the library is
 * compiled with hidden visibility (CMakeLists.txt), so everything else (the compiler, the VM,
 * the header-only dependencies) stays inside it. On a class it exports the class's out-of-line
 * members, typeinfo and vtable (so exprvm::Error can be caught across the library boundary);
 * inline members stay hidden (-fvisibility-inlines-hidden) and are compiled into the user.
 * Plain C as well: include/exprvm/exprvm.h includes it. */
#pragma once
#ifndef EXPRVM_API
#if defined(__GNUC__) || defined(__clang__)
#define EXPRVM_API __attribute__((visibility("default")))
#else
#define EXPRVM_API
#endif
#endif
