{
  "targets": [
    {
      "target_name": "kvm_core",
      "sources": [
        "native/src/addon.cc",
        "native/src/machine.cc",
        "native/src/sim/core_error.cc",
        "native/src/kvm/kvm_device.cc",
        "native/src/kvm/vm.cc",
        "native/src/kvm/vcpu.cc",
        "native/src/kvm/binary_stats.cc",
        "native/src/boot/guest_memory.cc",
        "native/src/boot/image_loader.cc",
        "native/src/boot/boot_state.cc",
        "native/src/cpu/cpu_stats.cc",
        "native/src/cpu/host_clock.cc",
        "native/src/cpu/quantum_timer.cc",
        "native/src/cpu/kick_cost.cc",
        "native/src/cpu/register_dump.cc",
        "native/src/cpu/exit_reason_name.cc",
        "native/src/cpu/kvm_cpu.cc",
        "native/src/cpu/coalesced_ring.cc",
        "native/src/cpu/exit_decode.cc",
        "native/src/cpu/exit_registers.cc",
        "native/src/cpu/perf_counters.cc",
        "native/src/devices/bus.cc",
        "native/src/devices/serial16550.cc",
        "native/src/devices/sim_control.cc",
        "native/src/devices/sink.cc",
        "native/src/devices/guest_fault.cc",
        "native/src/devices/interval_timer.cc",
        "native/src/devices/hypercall_port.cc",
        "native/src/devices/m5ops.cc",
        "native/src/sim/event_queue.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/src"],
      "defines": ["NAPI_VERSION=9", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "libraries": ["-lrt"]
    }
  ]
}
