using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;

namespace QuantGen.Arm64Runner;

/// <summary>
/// One fact, or one theory with one row of data, found the way xunit finds it: by its attributes, read by
/// name (this runner has no xunit reference of its own), with [MemberData] and [InlineData] rows and
/// IClassFixture constructor arguments.
/// </summary>
internal sealed class TestCase(Type type, MethodInfo method, object?[] arguments, string? skip)
{
    public Type Class => type;

    public string? Skip => skip;

    public string DisplayName =>
        $"{type.Name}.{method.Name}" + (arguments.Length == 0 ? "" : "(" + string.Join(", ", arguments.Select(a => a is string s ? $"\"{s}\"" : a?.ToString() ?? "null")) + ")");

    /// <summary>Every test of the public classes whose full name starts with one of <paramref name="prefixes"/>, in declaration order.</summary>
    public static IEnumerable<TestCase> Discover(Assembly assembly, string[] prefixes)
    {
        foreach (Type type in assembly.GetExportedTypes().Where(t => t.IsClass && !t.IsAbstract && prefixes.Any(p => t.FullName!.StartsWith(p, StringComparison.Ordinal))).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).OrderBy(m => m.MetadataToken))
            {
                CustomAttributeData? fact = method.CustomAttributes.FirstOrDefault(a => IsOrDerivesFrom(a.AttributeType, "Xunit.FactAttribute"));
                if (fact is null)
                {
                    continue;
                }

                string? skip = fact.NamedArguments.Where(n => n.MemberName == "Skip").Select(n => n.TypedValue.Value as string).FirstOrDefault();
                if (!IsOrDerivesFrom(fact.AttributeType, "Xunit.TheoryAttribute"))
                {
                    yield return new TestCase(type, method, [], skip);
                    continue;
                }

                foreach (object?[] row in Rows(type, method))
                {
                    yield return new TestCase(type, method, row, skip);
                }
            }
        }
    }

    /// <summary>Runs the test; null when it passed, else what went wrong. Skipped tests are not run.</summary>
    public string? Run(Dictionary<Type, object> fixtures)
    {
        if (skip is not null)
        {
            return null;
        }

        try
        {
            object? instance = method.IsStatic ? null : Create(fixtures);
            try
            {
                ParameterInfo[] parameters = method.GetParameters();
                object?[] values = arguments.Select((a, i) => Convert(a, parameters[i].ParameterType)).ToArray();
                if (method.Invoke(instance, values) is Task task)
                {
                    task.GetAwaiter().GetResult();
                }
            }
            finally
            {
                (instance as IDisposable)?.Dispose();
            }

            return null;
        }
        catch (Exception e)
        {
            Exception inner = e is TargetInvocationException { InnerException: { } i } ? i : e;
            return $"{inner.GetType().Name}: {inner.Message}";
        }
    }

    /// <summary>The test class, with its class fixtures (one of each type per class) and an output helper that prints.</summary>
    private object Create(Dictionary<Type, object> fixtures)
    {
        ConstructorInfo constructor = type.GetConstructors().Single();
        object[] values = constructor.GetParameters()
            .Select(p => p.ParameterType.FullName == "Xunit.Abstractions.ITestOutputHelper" ? DispatchProxy.Create(p.ParameterType, typeof(ConsoleOutput))
                : fixtures.TryGetValue(p.ParameterType, out object? f) ? f
                : fixtures[p.ParameterType] = Activator.CreateInstance(p.ParameterType)!)
            .ToArray();
        return constructor.Invoke(values);
    }

    private static IEnumerable<object?[]> Rows(Type type, MethodInfo method)
    {
        foreach (CustomAttributeData data in method.CustomAttributes)
        {
            if (IsOrDerivesFrom(data.AttributeType, "Xunit.InlineDataAttribute"))
            {
                var values = (IReadOnlyCollection<CustomAttributeTypedArgument>)data.ConstructorArguments[0].Value!;
                yield return values.Select(v => v.Value).ToArray();
            }
            else if (IsOrDerivesFrom(data.AttributeType, "Xunit.MemberDataAttribute"))
            {
                string name = (string)data.ConstructorArguments[0].Value!;
                Type source = data.NamedArguments.Where(n => n.MemberName == "MemberType").Select(n => (Type)n.TypedValue.Value!).FirstOrDefault() ?? type;
                object? parameters = data.ConstructorArguments.Count > 1 ? data.ConstructorArguments[1].Value : null;
                object?[] memberArguments = parameters is IReadOnlyCollection<CustomAttributeTypedArgument> p ? p.Select(v => v.Value).ToArray() : [];
                MemberInfo member = source.GetMember(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.FlattenHierarchy).Single();
                object? rows = member switch
                {
                    MethodInfo m => m.Invoke(null, memberArguments),
                    PropertyInfo property => property.GetValue(null),
                    FieldInfo field => field.GetValue(null),
                    _ => throw new InvalidOperationException($"[MemberData({name})] on {type.Name}.{method.Name} names neither a method, a property nor a field"),
                };
                foreach (object? row in (IEnumerable)rows!)
                {
                    yield return (object?[])row!;
                }
            }
            else if (IsOrDerivesFrom(data.AttributeType, "Xunit.Sdk.DataAttribute"))
            {
                throw new NotSupportedException($"{type.Name}.{method.Name}: this runner reads [InlineData] and [MemberData] only, not [{data.AttributeType.Name}]");
            }
        }
    }

    /// <summary>Attribute arguments arrive as the literal's type (an int for a long parameter, an int for an enum).</summary>
    private static object? Convert(object? value, Type target)
    {
        if (value is null || target.IsInstanceOfType(value))
        {
            return value;
        }

        return target.IsEnum ? Enum.ToObject(target, value) : System.Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsOrDerivesFrom(Type type, string fullName)
    {
        for (Type? t = type; t is not null; t = t.BaseType)
        {
            if (t.FullName == fullName)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>xunit's ITestOutputHelper, written to the console: WriteLine(message) and WriteLine(format, args).</summary>
public class ConsoleOutput : DispatchProxy
{
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (args is [string message])
        {
            Console.WriteLine(message);
        }
        else if (args is [string format, object?[] values])
        {
            Console.WriteLine(format, values);
        }

        return null;
    }
}

/// <summary>Passed, failed and skipped tests.</summary>
internal sealed class Counts
{
    public int Passed { get; private set; }

    public int Failed { get; private set; }

    public int Skipped { get; private set; }

    public void Add(TestCase test, string? failure)
    {
        if (test.Skip is not null)
        {
            Skipped++;
        }
        else if (failure is null)
        {
            Passed++;
        }
        else
        {
            Failed++;
        }
    }

    public void Add(Counts other)
    {
        Passed += other.Passed;
        Failed += other.Failed;
        Skipped += other.Skipped;
    }

    public override string ToString() => $"{Passed} passed, {Failed} failed" + (Skipped > 0 ? $", {Skipped} skipped" : "");
}
