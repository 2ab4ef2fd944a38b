using System;
using QuantGen.Cli;

using var interruption = new Interruption();
return QuantGenCli.Run(args, Console.Out, Console.Error, interruption.Token);
