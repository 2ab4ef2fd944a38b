using System.Runtime.CompilerServices;

// The kernel tests force each instruction-set path of a kernel that the machine can run (Int8.Path).
[assembly: InternalsVisibleTo("QuantGen.Tests")]
