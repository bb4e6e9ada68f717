// The source of seismo_test_pch (cmake/TestCode.cmake): the precompiled
// header the test executables share is built with this target's flags.
