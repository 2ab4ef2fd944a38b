using System;

namespace QuantGen.Runtime;

/// <summary>
/// One sequence's state: the hidden (and cell) vectors of every recurrent layer, plus the working memory
/// of a step, so that a step allocates nothing and separate states never share memory. One state serves one
/// step at a time: use one state per thread (or per sequence). A step, <see cref="Reset"/> or
/// <see cref="CopyFrom"/> on a state that another thread is stepping at that moment throws
/// <see cref="InvalidOperationException"/> instead of mixing the two sequences (an in-use flag, one atomic
/// compare-exchange per step).
/// </summary>
public abstract class RecurrentState
{
    private readonly float[] _values;
    private readonly float[] _scratch;
    private readonly object _owner;
    private int _inUse;

    /// <summary>For generated code: a zero state of a model.</summary>
    /// <param name="owner">What identifies the model (its type), so that a state is not used with another model.</param>
    /// <param name="stateLength">Hidden and cell values of all the recurrent layers.</param>
    /// <param name="scratchLength">Floats of working memory a step needs.</param>
    protected RecurrentState(object owner, int stateLength, int scratchLength)
    {
        _owner = owner;
        _values = new float[stateLength];
        _scratch = new float[scratchLength];
    }

    /// <summary>The hidden and cell vectors, layer after layer.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Back to the start of a sequence: every hidden and cell value zero.</summary>
    public void Reset()
    {
        BeginStep();
        Array.Clear(_values);
        EndStep();
    }

    /// <summary>
    /// Sets the state to <paramref name="values"/>, laid out as <see cref="Values"/> (for each recurrent layer in
    /// order its h, then for an LSTM its c): a sequence that starts from a state other than zero, such as the
    /// h and c inputs of an imported step graph.
    /// </summary>
    public void Load(ReadOnlySpan<float> values)
    {
        if (values.Length != _values.Length)
        {
            throw new ArgumentException($"The state holds {_values.Length} values (each recurrent layer's h, then an LSTM's c); {values.Length} were given.", nameof(values));
        }

        BeginStep();
        values.CopyTo(_values);
        EndStep();
    }

    /// <summary>Copies another state of the same model into this one (to branch a sequence).</summary>
    public void CopyFrom(RecurrentState other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._owner != _owner)
        {
            throw new ArgumentException("The state belongs to another model.", nameof(other));
        }

        BeginStep();
        other._values.CopyTo(_values, 0);
        EndStep();
    }

    /// <summary>
    /// For generated code: marks the state in use by one step, or throws when another thread is using it
    /// right now. Pair with <see cref="EndStep"/> in a finally block.
    /// </summary>
    public void BeginStep()
    {
        if (System.Threading.Interlocked.CompareExchange(ref _inUse, 1, 0) != 0)
        {
            ThrowInUse();
        }
    }

    /// <summary>For generated code: the step that called <see cref="BeginStep"/> is done with the state.</summary>
    public void EndStep() => System.Threading.Volatile.Write(ref _inUse, 0);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowInUse() =>
        throw new InvalidOperationException("The state is being used by another step at the same time (two threads stepping one state?); a state serves one sequence, one step at a time: give each thread its own state.");

    /// <summary>For generated code: the state vectors, writable.</summary>
    protected internal Span<float> StateSpan => _values;

    /// <summary>For generated code: a step's working memory.</summary>
    protected internal Span<float> ScratchSpan => _scratch;

    /// <summary>Checks that <paramref name="state"/> is a <typeparamref name="T"/>: the state type of the model it is given to.</summary>
    public static T Check<T>(RecurrentState state, string name)
        where T : RecurrentState
    {
        ArgumentNullException.ThrowIfNull(state, name);
        return state as T ?? throw new ArgumentException($"The state was made by another model ({state.GetType().FullName}).", name);
    }
}
