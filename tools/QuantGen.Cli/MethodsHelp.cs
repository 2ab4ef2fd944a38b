using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.IO;
using System.Linq;
using QuantGen.Quantizer;

namespace QuantGen.Cli;

/// <summary>
/// <c>--help</c> of quantgen and of the verbs that take methods ends with every method, its side and the bit
/// widths it takes, read from QuantizationMethods' table, the one the quantizer checks a request against.
/// </summary>
internal static class MethodsHelp
{
    private static readonly string[] VerbsWithMethods = ["quantize"];

    public static void Install(RootCommand root)
    {
        HelpOption help = root.Options.OfType<HelpOption>().Single();
        help.Action = new WithMethods((HelpAction)help.Action!, root);
    }

    public static void Write(TextWriter output)
    {
        output.WriteLine("Methods (METHOD:BITS, e.g. uniform:4; a width in parentheses is the one taken when none is given):");
        foreach (bool activations in new[] { false, true })
        {
            output.WriteLine(activations ? "  --activations (the input of every weighted layer but the first):" : "  --weights:");
            var table = new TextTable("", "", "", "");
            foreach (MethodDescription m in QuantizationMethods.All.Where(m => m.Activations == activations))
            {
                table.Add("  ", m.Name, m.BitRange + (m.DefaultBits > 0 ? $" ({m.DefaultBits})" : ""), m.Summary);
            }

            table.WriteRowsTo(output);
        }

        output.WriteLine("  float, none: no quantization. --layer NAME=METHOD:BITS takes a method of either side.");
    }

    private sealed class WithMethods(HelpAction help, RootCommand root) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            int code = help.Invoke(parseResult);
            Command command = parseResult.CommandResult.Command;
            if (command == root || VerbsWithMethods.Contains(command.Name))
            {
                Write(parseResult.InvocationConfiguration.Output);
                parseResult.InvocationConfiguration.Output.WriteLine();
            }

            return code;
        }
    }
}
