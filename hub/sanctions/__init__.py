"""Credit sanctions (失信联合惩戒): the dishonest-debtor and consumption-restriction lists."""
