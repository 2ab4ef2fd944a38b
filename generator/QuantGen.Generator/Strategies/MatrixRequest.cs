using Google.Protobuf.Collections;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>How a layer uses a weight matrix; it decides which kernels can serve it.</summary>
internal enum MatrixUse
{
    /// <summary>y = W x + b on the very vector the input quantizer codes (Dense, the LSTM/GRU input and recurrent matrices).</summary>
    Product,

    /// <summary>
    /// y = W x + b on each patch of a map that the layer's quantizer codes as a whole (Conv2d). Only a kernel
    /// that takes the whole map (<see cref="KernelStrategy.Batches"/>) may code the input itself, and only where
    /// the padding's 0 has a code.
    /// </summary>
    PatchProduct,

    /// <summary>y = W[token] (Embedding).</summary>
    Lookup,
}

/// <summary>
/// The question the planner asks the kernel registry for each weight matrix of each layer kind: these
/// weights, this shape, fed by this quantizer, used this way. Lives only while planning.
/// </summary>
internal sealed class MatrixRequest
{
    public MatrixRequest(int layer, LayerMatrix matrix, QuantizerPlan? input, MatrixUse use, CostModel costs, bool inputOnGrid = false, int products = 1, Conv2d? convolution = null)
    {
        Costs = costs;
        Convolution = convolution;
        InputOnGrid = inputOnGrid;
        Products = products;
        Layer = layer;
        Part = matrix.Part;
        Weights = matrix.Weights!;
        Rows = matrix.Rows;
        Cols = matrix.Cols;
        Bias = matrix.Bias;
        Input = input;
        Use = use;
    }

    /// <summary>The same request priced by another table (<see cref="CostModel.Tables"/>).</summary>
    public MatrixRequest With(CostModel costs) => new MatrixRequest(this, costs);

    private MatrixRequest(MatrixRequest other, CostModel costs)
    {
        Costs = costs;
        Convolution = other.Convolution;
        InputOnGrid = other.InputOnGrid;
        Products = other.Products;
        Layer = other.Layer;
        Part = other.Part;
        Weights = other.Weights;
        Rows = other.Rows;
        Cols = other.Cols;
        Bias = other.Bias;
        Input = other.Input;
        Use = other.Use;
    }

    public int Layer { get; }

    /// <summary>The cost table of the instruction set the build plans for.</summary>
    public CostModel Costs { get; }

    /// <summary>"" for a layer's only matrix, "Input" or "Recurrent" for an LSTM's or GRU's two.</summary>
    public string Part { get; }
    public Weights Weights { get; }
    public int Rows { get; }
    public int Cols { get; }
    public RepeatedField<float>? Bias { get; }
    public QuantizerPlan? Input { get; }
    public MatrixUse Use { get; }

    /// <summary>
    /// The input already holds <see cref="Input"/>'s levels (an LSTM's or GRU's h, which the hidden quantizer
    /// quantizes at the end of every step), so nothing quantizes it again; a kernel that codes its input may
    /// code it onto the same grid, exactly. The one vector off the grid is the zero state a sequence starts
    /// from, which the emitter sends around such a kernel.
    /// </summary>
    public bool InputOnGrid { get; }

    /// <summary>The convolution whose weights these are (its window), for <see cref="MatrixUse.PatchProduct"/>.</summary>
    public Conv2d? Convolution { get; }

    /// <summary>Products per call of the layer: a convolution's output positions, 1 otherwise.</summary>
    public int Products { get; }

    /// <summary>The prefix of the matrix's tensor properties.</summary>
    public string Data => "L" + Invariant.Int(Layer) + Part;

    /// <summary>"input " or "recurrent " before a tensor's description, "" for a layer's only matrix.</summary>
    public string What => Part.Length == 0 ? "" : Part.ToLowerInvariant() + " ";

    public string Shape => $"{Invariant.Int(Rows)} x {Invariant.Int(Cols)}";

    public long Weights64 => (long)Rows * Cols;
}
