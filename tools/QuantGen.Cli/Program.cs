using System;
using QuantGen.Cli;

return QuantGenCli.Run(args, Console.Out, Console.Error);
