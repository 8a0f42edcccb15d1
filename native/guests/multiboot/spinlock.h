/* A test-and-test-and-set spinlock (xchg), for console output from several
 * CPUs. Header-only. */
#pragma once
#include <stdint.h>

#include "io.h"

typedef struct {
  volatile uint32_t locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *lock) {
  while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED)) cpu_pause();
}

static inline void spin_unlock(spinlock_t *lock) { __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE); }
