#pragma once
// A device's interrupt output pin, as a level: the device says what its pin
// reads whenever that may have changed, and whatever it is wired to (an
// in-kernel interrupt controller's GSI, a test's recorder) decides what a
// level or an edge means. Devices do not know what they are wired to.
namespace kx {

class IrqLine {
 public:
  virtual ~IrqLine() = default;
  virtual void set(bool level) = 0;
};

// A pin wired to nothing: for a machine without an interrupt controller.
class UnconnectedIrqLine final : public IrqLine {
 public:
  void set(bool) override {}
};

// One shared instance: it holds no state, so every device may use it.
inline IrqLine& unconnectedIrqLine() {
  static UnconnectedIrqLine line;
  return line;
}

}  // namespace kx
