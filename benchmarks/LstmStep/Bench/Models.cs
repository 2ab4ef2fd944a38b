using QuantGen;

[QuantModel("../models/lstm-float.qgm.json")]
public partial class LstmFloat;

[QuantModel("../models/lstm-alternating2.qgm.json")]
public partial class LstmAlternating2;

[QuantModel("../models/lstm-alternating3.qgm.json")]
public partial class LstmAlternating3;
