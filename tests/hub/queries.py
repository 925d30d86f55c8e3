"""GraphQL documents shared by the API tests."""

PERSON_FULL = """
query Person($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {
    idNumber
    identity { idNumber name gender birthDate ethnicity registeredAddress registrationStatus issuingAuthority phone }
    assets {
      realEstates { unitNumber certificateNumber address usage area ownershipKind registeredOn
        owners { ownerKind ownerId ownerName share }
        mortgages { mortgagee securedAmount termStart termEnd }
        seizures { court caseNumber rank status } }
      vehicles { plate vin brand model colour registeredOn status ownerKind ownerId }
      equities { stakeId uscc enterpriseName ratio subscribedCapital enterprise { uscc registration { name } } }
    }
    qualifications { certificateNumber name level issuedOn }
    insurance {
      records { kind employerUscc employerName contributionBase monthsPaid lastPaidMonth status }
      housingFund { accountNumber balance monthlyDeposit employerName status }
    }
    enterpriseRoles { uscc enterpriseName role position ratio }
    legal {
      cases { caseNumber courtName status role amount }
      sanctions { id list caseNumber status legalBasis }
    }
  }
}
"""

PERSONS_FULL = PERSON_FULL.replace(
    "query Person($id: String!, $case: String) {\n  person(idNumber: $id, caseNumber: $case)",
    "query Persons($ids: [String!]!) {\n  persons(idNumbers: $ids)",
)

ENTERPRISE_FULL = """
query Enterprise($uscc: String!) {
  enterprise(uscc: $uscc) {
    uscc
    registration {
      name enterpriseType legalRepresentativeName registeredCapital establishedOn address status
      registrationAuthority businessScope
      legalRepresentative { idNumber identity { name } }
      keyPersonnel { name position person { idNumber } }
    }
    licences { licenceNumber name validTo status }
    shareholders {
      stakeId holderKind holderName ratio
      holder { __typename ... on Person { idNumber } ... on Enterprise { uscc } }
    }
    insurance { insuredEmployees arrearsAmount arrearsMonths }
    penalties { decisionNumber violation amount }
    credit { abnormalOperations { reason listedOn } seriousViolations { reason } }
    assets { realEstates { unitNumber } vehicles { plate } equities { stakeId } }
    legal { cases { caseNumber role } sanctions { list } }
  }
}
"""

IDENTITY_ONLY = """
query Identity($id: String!) { person(idNumber: $id) { identity { name } } }
"""
