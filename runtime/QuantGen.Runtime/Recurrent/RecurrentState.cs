using System;

namespace QuantGen.Runtime;

/// <summary>
/// One sequence's state: the hidden (and cell) vectors of every recurrent layer, plus the working memory
/// of a step, so that a step allocates nothing and separate states never share memory. Not thread-safe:
/// use one state per thread (or per sequence).
/// </summary>
public abstract class RecurrentState
{
    private readonly float[] _values;
    private readonly float[] _scratch;
    private readonly object _owner;

    protected RecurrentState(object owner, int stateLength, int scratchLength)
    {
        _owner = owner;
        _values = new float[stateLength];
        _scratch = new float[scratchLength];
    }

    /// <summary>The hidden and cell vectors, layer after layer.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Back to the start of a sequence: every hidden and cell value zero.</summary>
    public void Reset() => Array.Clear(_values);

    /// <summary>Copies another state of the same model into this one (to branch a sequence).</summary>
    public void CopyFrom(RecurrentState other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._owner != _owner)
        {
            throw new ArgumentException("The state belongs to another model.", nameof(other));
        }

        other._values.CopyTo(_values, 0);
    }

    /// <summary>For generated code: the state vectors, writable.</summary>
    protected internal Span<float> StateSpan => _values;

    /// <summary>For generated code: a step's working memory.</summary>
    protected internal Span<float> ScratchSpan => _scratch;

    /// <summary>Checks that <paramref name="state"/> was made by <paramref name="owner"/>'s model type.</summary>
    public static T Check<T>(RecurrentState state, string name)
        where T : RecurrentState
    {
        ArgumentNullException.ThrowIfNull(state, name);
        return state as T ?? throw new ArgumentException($"The state was made by another model ({state.GetType().FullName}).", name);
    }
}
