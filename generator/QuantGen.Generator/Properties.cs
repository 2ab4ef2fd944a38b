using System.Runtime.CompilerServices;

// The tests inspect pipeline models (value equality, no Roslyn symbols) and the planner directly.
[assembly: InternalsVisibleTo("QuantGen.Tests")]
