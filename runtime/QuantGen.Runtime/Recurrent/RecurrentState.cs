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

    /// <summary>
    /// For generated code: <see cref="BeginStep"/> on every state of a call that steps several together. A null state
    /// throws <see cref="ArgumentNullException"/>; a state already in use (the same state twice in the call, or one
    /// another thread is stepping) throws <see cref="InvalidOperationException"/>; either way the states begun are
    /// released first. Pair with <see cref="EndSteps{T}"/> in a finally block.
    /// </summary>
    public static void BeginSteps<T>(ReadOnlySpan<T> states, string name)
        where T : RecurrentState
    {
        for (int i = 0; i < states.Length; i++)
        {
            T state = states[i];
            if (state is null || System.Threading.Interlocked.CompareExchange(ref state._inUse, 1, 0) != 0)
            {
                EndSteps(states.Slice(0, i));
                throw state is null
                    ? new ArgumentNullException(name, $"{name}[{i}] is null.")
                    : new InvalidOperationException($"{name}[{i}] is already being stepped: the same state appears twice in the call, or another thread is stepping it. Each sequence needs its own state.");
            }
        }
    }

    /// <summary>For generated code: <see cref="EndStep"/> on every state <see cref="BeginSteps{T}"/> began.</summary>
    public static void EndSteps<T>(ReadOnlySpan<T> states)
        where T : RecurrentState
    {
        foreach (T state in states)
        {
            state.EndStep();
        }
    }

    /// <summary>
    /// Checks that every one of <paramref name="states"/> is a <typeparamref name="T"/> (the model's own state type) and
    /// returns the same references typed: the interface's StepMany hands them to the generated class's.
    /// </summary>
    public static ReadOnlySpan<T> CheckAll<T>(ReadOnlySpan<RecurrentState> states, string name)
        where T : RecurrentState
    {
        for (int i = 0; i < states.Length; i++)
        {
            if (states[i] is not null and not T)
            {
                throw new ArgumentException($"{name}[{i}] was made by another model ({states[i].GetType().FullName}).", name);
            }
        }

        // Every element is a T or null (BeginSteps reports a null one), so the references can be read as T.
        return System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(
            ref System.Runtime.CompilerServices.Unsafe.As<RecurrentState, T>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(states)), states.Length);
    }

    /// <summary>Checks that <paramref name="state"/> is a <typeparamref name="T"/>: the state type of the model it is given to.</summary>
    public static T Check<T>(RecurrentState state, string name)
        where T : RecurrentState
    {
        ArgumentNullException.ThrowIfNull(state, name);
        return state as T ?? throw new ArgumentException($"The state was made by another model ({state.GetType().FullName}).", name);
    }
}
